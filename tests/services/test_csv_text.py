"""Uploaded CSV bytes to text: UTF-8 unchanged, Excel's Turkish code page detected."""

from __future__ import annotations

import pytest

from attn.services.accounts.csv_text import NotText, decode_csv

TURKISH_NAMES = ["Şükrü Gündoğdu", "Ayşe Yılmaz", "Çiğdem Öztürk", "İlker Işık"]


class TestUtf8StaysAsItWas:
    def test_plain_ascii_is_reported_as_ascii(self) -> None:
        decoded = decode_csv(b"S1,Ali Veli,student\r\n")
        assert (decoded.text, decoded.encoding) == ("S1,Ali Veli,student\r\n", "ascii")

    @pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
    def test_utf8_with_or_without_a_bom(self, bom: bytes) -> None:
        text = "S1,Ayşe Yılmaz,student\nS2,İlker Işık,teacher\n"
        decoded = decode_csv(bom + text.encode())
        assert (decoded.text, decoded.encoding) == (text, "utf-8")

    def test_a_bom_alone_is_utf8(self) -> None:
        decoded = decode_csv(b"\xef\xbb\xbf")
        assert (decoded.text, decoded.encoding) == ("", "utf-8")


class TestWindows1254:
    @pytest.mark.parametrize("name", TURKISH_NAMES)
    def test_one_short_name_is_read_as_cp1254(self, name: str) -> None:
        # The real bytes Excel writes: Ş=DE ü=FC ğ=F0 ı=FD İ=DD ş=FE Ç=C7 Ö=D6 ...
        data = name.encode("cp1254")
        assert not data.isascii()
        decoded = decode_csv(data)
        assert (decoded.text, decoded.encoding) == (name, "cp1254")

    def test_literal_bytes_of_a_semicolon_file_from_excel(self) -> None:
        data = (
            b"user_number;full_name;role\r\n"
            b"S1;\xde\xfckr\xfc G\xfcndo\xf0du;student\r\n"
            b"S2;Ay\xfee Y\xfdlmaz;student\r\n"
            b"S3;\xc7i\xf0dem \xd6zt\xfcrk;teacher\r\n"
            b"S4;\xddlker I\xfe\xfdk;admin\r\n"
        )
        decoded = decode_csv(data)
        assert decoded.encoding == "cp1254"
        assert decoded.text.splitlines()[1:] == [
            f"S{index};{name};{role}"
            for index, (name, role) in enumerate(
                zip(TURKISH_NAMES, ["student", "student", "teacher", "admin"], strict=True),
                start=1,
            )
        ]

    def test_a_long_file(self) -> None:
        text = "".join(f"S{i};{TURKISH_NAMES[i % 4]};student\r\n" for i in range(20_000))
        decoded = decode_csv(text.encode("cp1254"))
        assert (decoded.text, decoded.encoding) == (text, "cp1254")


class TestOtherEncodings:
    def test_a_file_that_reads_better_in_another_code_page_keeps_it(self) -> None:
        text = "S1,Łukasz Żółć,student\nS2,Wiśniewski,student\n"
        decoded = decode_csv(text.encode("cp1250"))
        assert (decoded.text, decoded.encoding) == (text, "cp1250")

    def test_cyrillic(self) -> None:
        text = "S1,Иванов Иван,student\nS2,Петров Пётр,student\n"
        decoded = decode_csv(text.encode("cp1251"))
        assert (decoded.text, decoded.encoding) == (text, "cp1251")

    def test_utf16_with_a_bom(self) -> None:
        text = "S1,Ayşe Yılmaz,student\nS2,Ali,student\n"
        decoded = decode_csv(text.encode("utf-16"))
        assert (decoded.text, decoded.encoding) == (text, "utf-16")


class TestNotText:
    def test_binary_bytes_name_the_line_where_utf8_stops(self) -> None:
        data = b"S1,Ali,student\nS2,Veli\x81\x00\x00\x01\x02\x03\x8d,student\n"
        with pytest.raises(NotText) as refused:
            decode_csv(data)
        assert refused.value.line == 2
        assert "not text in UTF-8 or any other known encoding" in refused.value.message

    def test_a_spreadsheet_file_instead_of_a_csv(self) -> None:
        xlsx_start = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4\x00\x00\x00L\x02"
        with pytest.raises(NotText, match="line 1: not text"):
            decode_csv(xlsx_start)

    def test_utf8_mixed_with_cp1254_is_refused_rather_than_garbled(self) -> None:
        data = "S1,Ayşe Yılmaz,student\n".encode() + "S2,Çiğdem Öztürk,student\n".encode("cp1254")
        with pytest.raises(NotText) as refused:
            decode_csv(data)
        assert refused.value.line == 2
        assert "mixes UTF-8 with another encoding" in refused.value.message
