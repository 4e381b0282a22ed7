Welcome<#if recipient.name??>, ${recipient.name}</#if>!

Your account is ready.
