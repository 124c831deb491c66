"""Imports: readers (xlsx, csv), row validation, all-or-nothing import transactions, error reports."""
