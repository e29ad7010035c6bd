"""Placeholder: filled in by issue 14 work in progress."""

__all__ = []
