"""The columnar twin of ``domain.schedule``: the whole book at once, for the daily batch."""
