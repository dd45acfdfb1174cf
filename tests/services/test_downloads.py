"""Download names: the licence number in the header (RFC 6266 / 5987) with an ASCII fallback."""

from services.downloads import ascii_filename, attachment_disposition


def test_a_licence_number_gets_its_utf8_name_and_a_readable_ascii_fallback():
    assert attachment_disposition("SCXK(滇)2026-0005.pdf") == (
        "attachment; filename=\"SCXK-Dian-2026-0005.pdf\"; filename*=UTF-8''SCXK%28%E6%BB%87%292026-0005.pdf")


def test_an_ascii_name_is_sent_as_it_is():
    assert attachment_disposition("530000202600001.pdf") == 'attachment; filename="530000202600001.pdf"'


def test_quotes_and_backslashes_cannot_break_out_of_the_header():
    value = attachment_disposition('a"b\\c;d.pdf')
    assert value.startswith('attachment; filename="a-b-c-d.pdf"; filename*=UTF-8\'\'a%22b%5Cc%3Bd.pdf')
    assert ascii_filename("许可证.pdf") == "document.pdf"
    assert ascii_filename("SYXK(京)2026-0001") == "SYXK-Jing-2026-0001"
