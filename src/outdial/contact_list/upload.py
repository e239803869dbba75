"""The CSV bytes of an upload request, as they arrive: the body itself (`text/csv`, or any
non-multipart type), or the multipart field `file` pushed through python-multipart's
streaming parser. Nothing is buffered beyond the chunk in hand."""

from __future__ import annotations

from collections.abc import AsyncIterator

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from outdial.contact_list.csv_reader import CsvFileError

FIELD = "file"


class UploadLostError(Exception):
    """The client went away before the end of the file."""


async def _until_lost(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The request's bytes, with Starlette's disconnect turned into this module's error, so
    the importer knows nothing of the HTTP framework."""
    try:
        async for chunk in body:
            yield chunk
    except ClientDisconnect as exc:
        raise UploadLostError from exc


class Upload:
    """An upload's CSV bytes and its file name (known at once, or once multipart says)."""

    def __init__(self, body: AsyncIterator[bytes], file_name: str) -> None:
        self.body = body
        self.file_name = file_name

    def chunks(self) -> AsyncIterator[bytes]:
        """The CSV bytes, chunk by chunk, as the body streams in."""
        return self.body


class MultipartUpload(Upload):
    """The bytes of field `file` of a multipart/form-data body."""

    def __init__(self, body: AsyncIterator[bytes], content_type: str, file_name: str) -> None:
        super().__init__(body, file_name)
        self.content_type = content_type
        self.found = False
        self._current = False
        self._header = b""
        self._headers: dict[bytes, bytes] = {}
        self._out: list[bytes] = []

    def _parser(self) -> MultipartParser:
        _, params = parse_options_header(self.content_type)
        boundary = params.get(b"boundary")
        if not boundary:
            raise CsvFileError("the multipart body has no boundary in its Content-Type")
        return MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._field,
                "on_header_value": self._value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done,
                "on_part_data": self._data,
            },
        )

    def _begin(self) -> None:
        self._headers, self._current = {}, False

    def _field(self, data: bytes, start: int, end: int) -> None:
        self._header = data[start:end].lower()

    def _value(self, data: bytes, start: int, end: int) -> None:
        self._headers[self._header] = self._headers.get(self._header, b"") + data[start:end]

    def _header_end(self) -> None:
        self._header = b""

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._current = options.get(b"name") == FIELD.encode() and not self.found
        if self._current:
            self.found = True
            name = options.get(b"filename", b"").decode("utf-8", "replace")
            self.file_name = name or self.file_name

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._current:
            self._out.append(data[start:end])

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file field's bytes, chunk by chunk, as the body streams in."""
        parser = self._parser()
        try:
            async for chunk in self.body:
                parser.write(chunk)
                out, self._out = self._out, []
                for piece in out:
                    yield piece
            parser.finalize()
        except MultipartParseError as exc:
            raise CsvFileError(f"the multipart body is malformed: {exc}") from exc
        if not self.found:
            raise CsvFileError(f"the multipart body has no field named {FIELD!r}")


def read_upload(request: Request, file_name: str | None) -> Upload:
    """The CSV of a request: multipart field `file`, else the body itself."""
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        return MultipartUpload(_until_lost(request.stream()), content_type, file_name or "")
    return Upload(_until_lost(request.stream()), file_name or "")
