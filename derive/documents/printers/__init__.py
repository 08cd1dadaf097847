"""Printer parts for node families outside :mod:`derive.ir.expr` (mixed into ``printer``)."""
