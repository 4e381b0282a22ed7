${digest.count} new notification<#if digest.count != 1>s</#if>
