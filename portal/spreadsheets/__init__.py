"""Spreadsheets in and out: safe reading of the files units keep, the import formats and engine, and streamed list exports."""
