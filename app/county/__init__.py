"""The county's view of its stations (月晾晒): comparing them fairly, month by month.

It stands on the modules' metrics (:class:`app.plugin_contract.Metric`) and the stations'
ground; the tenancy mechanism imports nothing from here."""
