<#-- Slack/Teams incoming-webhook body. JSON: put every value through ?json_string -->
{"text": "Welcome<#if recipient.name??>, ${recipient.name?json_string}</#if>! Your account is ready."}
