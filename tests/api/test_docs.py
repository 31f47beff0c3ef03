"""/docs and /redoc load nothing from outside ATTN and run under a strict policy (the
browser proof: tests/browser/test_api_docs.py)."""

from __future__ import annotations

import re

import httpx

from attn.web.headers import CONTENT_SECURITY_POLICY

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


class TestDocsPages:
    async def test_swagger_ui_loads_only_attns_files(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/docs")
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        urls = ASSET.findall(response.text)
        assert any(url.endswith("/swagger-ui-bundle.js") for url in urls)
        assert all(url.startswith("/") for url in urls), urls
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)
        assert 'data-openapi-url="/openapi.json"' in response.text

    async def test_redoc_allows_its_styles_by_a_fresh_nonce(self, api: httpx.AsyncClient) -> None:
        first, second = await api.get("/redoc"), await api.get("/redoc")
        assert first.status_code == 200
        urls = ASSET.findall(first.text)
        assert any(url.endswith("/redoc.standalone.js") for url in urls)
        assert all(url.startswith("/") for url in urls), urls
        policy = first.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy)
        assert nonce
        assert f'nonce="{nonce.group(1)}"' in first.text
        assert nonce.group(1) not in second.headers["content-security-policy"]
        directives = dict(d.split(" ", 1) for d in policy.split("; "))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"].startswith(f"'self' 'nonce-{nonce.group(1)}' 'sha256-")
        assert directives["worker-src"] == "blob:"
        assert "unsafe" not in policy

    async def test_the_files_are_versioned_and_kept(self, api: httpx.AsyncClient) -> None:
        html = (await api.get("/docs")).text
        for url in ASSET.findall(html):
            response = await api.get(url)
            assert response.status_code == 200, url
            assert "immutable" in response.headers["cache-control"]
        bundle = next(url for url in ASSET.findall(html) if url.endswith(".js"))
        assert (await api.get(bundle)).headers["content-type"].startswith("text/javascript")
        stale = re.sub(r"/[0-9a-f]{12}/", "/000000000000/", bundle)
        assert (await api.get(stale)).status_code == 404
        version = bundle.split("/")[-2]
        assert (await api.get(f"/docs/assets/{version}/core.py")).status_code == 404

    async def test_the_openapi_document_is_still_served(self, api: httpx.AsyncClient) -> None:
        document = (await api.get("/openapi.json")).json()
        assert "/api/v1/auth/login" in document["paths"]
        assert not any(path in document["paths"] for path in ("/docs", "/redoc"))
