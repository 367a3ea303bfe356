"""Seeded, reproducible sample loan books in interchange format v1.

``generate_book`` writes borrowers, contacts, loans, installments, charges and
payments of a made-up Chinese consumer-installment lender (消费分期): the same
arguments always give byte-identical files. Each loan follows a hidden payment
behaviour (``BEHAVIOURS``) driven by a latent borrower risk, so the observable
history says something about the future.
"""

from faircollect.samplebook.catalogue import BEHAVIOURS, PRODUCTS, REGIONS
from faircollect.samplebook.generator import FILES, BookStats, Progress, generate_book

__all__ = ["BEHAVIOURS", "FILES", "PRODUCTS", "REGIONS", "BookStats", "Progress", "generate_book"]
