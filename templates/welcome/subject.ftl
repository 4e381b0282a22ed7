Welcome<#if recipient.name??>, ${recipient.name}</#if>
