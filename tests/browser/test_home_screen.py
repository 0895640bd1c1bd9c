"""'Add to Home Screen' gives a painlog icon that opens on Today."""

import io
import json
from urllib.parse import urljoin

from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def png_size(page, url):
    response = page.request.get(url)
    assert response.ok, url
    assert response.headers["content-type"] == "image/png", url
    return Image.open(io.BytesIO(response.body())).size


def test_the_app_manifest_names_painlog_and_opens_on_today(phone_page, patient):
    sign_in(phone_page, patient.username)
    cdp = phone_page.context.new_cdp_session(phone_page)

    answer = cdp.send("Page.getAppManifest")

    # Chrome's own reading of the manifest: no errors, and what an installed app would use.
    assert answer["errors"] == []
    app = answer["manifest"]
    assert (app["name"], app["display"]) == ("painlog", "kStandalone")
    assert app["startUrl"] == urljoin(phone_page.url, "/diary/")
    assert app["themeColor"] == "rgba(11,83,148,1)"
    expect(phone_page.locator("meta[name=theme-color]")).to_have_attribute("content", "#0b5394")
    written = json.loads(answer["data"])
    assert written["short_name"] == "painlog"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in written["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in app["icons"]:
        width, height = icon["sizes"].split("x")
        assert png_size(phone_page, icon["url"]) == (int(width), int(height))

    apple = phone_page.locator("link[rel=apple-touch-icon]").get_attribute("href")
    assert png_size(phone_page, urljoin(phone_page.url, apple)) == (180, 180)
