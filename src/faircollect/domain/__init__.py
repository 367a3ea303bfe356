"""The pure core: money, the loan book and its as-of view. Imports the standard library only."""
