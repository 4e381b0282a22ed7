Hallo ${recipient.name!""},

Ihre Rechnung über ${amount} ${currency!"EUR"} ist fällig<#if dueDate??> am ${dueDate}</#if>.

Vielen Dank.
