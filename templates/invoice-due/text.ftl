Hello ${recipient.name!"there"},

your invoice of ${amount} ${currency!"EUR"} is due<#if dueDate??> on ${dueDate}</#if>.

Thank you.
