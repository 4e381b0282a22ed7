Your invoice of ${amount} ${currency!"EUR"} is due
