"""The content screen: what is wrong with a message, where, and how sure.

A pure layer (see the architecture guide): it imports ``faircollect.domain`` and
libraries only, does no I/O beyond loading packaged data, and never touches
a database. ``normalise`` turns raw text into matchable views whose every
character maps back to a code-point offset of the original; the lexicon,
the model and the screen build on those views.
"""
