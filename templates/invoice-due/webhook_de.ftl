<#-- Slack/Teams incoming-webhook body. JSON: put every value through ?json_string -->
{"text": "Rechnung über ${amount?json_string} ${(currency!"EUR")?json_string} ist fällig<#if dueDate??> am ${dueDate?json_string}</#if><#if recipient.name??> (${recipient.name?json_string})</#if>"}
