"""Dialogs that stand alone: opening a model through an adapter, Help pages, About."""
