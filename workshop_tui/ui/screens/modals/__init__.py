"""Dialogs: each returns its result through `dismiss` (a typed `ModalScreen`)."""
