Ihre Rechnung über ${amount} ${currency!"EUR"} ist fällig
