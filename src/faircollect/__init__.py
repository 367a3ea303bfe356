"""faircollect: lawful, humane collections for consumer-installment lenders."""

__version__ = "0.1.0"
