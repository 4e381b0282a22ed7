Hello<#if recipient.name??> ${recipient.name}</#if>,

you have ${digest.count} new notification<#if digest.count != 1>s</#if>:

<#list items as item>
- <#if item.subject??>${item.subject}<#else>${item.type}</#if><#if item.time??> (${item.time})</#if>
</#list>
