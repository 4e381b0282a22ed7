<#-- Slack/Teams incoming-webhook body. JSON: put every value through ?json_string -->
{"text": "Invoice of ${amount?json_string} ${(currency!"EUR")?json_string} is due<#if dueDate??> on ${dueDate?json_string}</#if><#if recipient.name??> (${recipient.name?json_string})</#if>"}
