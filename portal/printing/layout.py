"""The Party layout in figures (Hướng dẫn 36-HD/VPTW; DOMAIN.md §6), shared by the DOCX and
PDF renderers so both print the same page."""

# A4, margins within the guidance's ranges (top and bottom 20–25, left 30–35, right 15–20 mm).
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 20, 20, 30, 15
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
PAGE_NUMBER_FROM_TOP_MM = 10  # inside the top margin, centred over the text

# The top block (issuer left, "ĐẢNG CỘNG SẢN VIỆT NAM" right) and the closing block
# ("Nơi nhận" left, signature right) are borderless two-column tables.
TOP_LEFT_WIDTH_MM = 72
CLOSING_LEFT_WIDTH_MM = 80
SIGNATURE_SPACE_MM = 25

# Sizes in points.
PARTY_SIZE = 15  # "ĐẢNG CỘNG SẢN VIỆT NAM", bold
HEADER_SIZE = 14  # superior body (regular), issuer (bold), number, place and date (italic)
KIND_SIZE = 15  # "BÁO CÁO", bold
SUMMARY_SIZE = 14  # bold
BODY_SIZE = 14
RECIPIENTS_LABEL_SIZE = 14  # underlined
RECIPIENTS_SIZE = 12
SIGNATURE_SIZE = 14  # authority and name, bold
PAGE_NUMBER_SIZE = 14

LINE_SPACING = 1.2  # single line spacing of Times New Roman
PARAGRAPH_SPACE_AFTER = 6
FIRST_LINE_INDENT_MM = 10
TREE_INDENT_MM = 4  # per level of a table row's indent
CELL_PADDING_X, CELL_PADDING_Y = 4, 2.5  # points, inside a table's cells
