"""One screen per file, each with its CSS in a sibling `.tcss`."""
