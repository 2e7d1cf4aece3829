"""The web chat in real headless Chromium: booking, reload, keyboard, injection, outage, a11y."""
from __future__ import annotations

import re
from datetime import UTC

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import ARTIFACTS, ChatPage

CODE = re.compile(r"\b[ACDEFGHJKMNPQRTUVWXY34679]{3}-[ACDEFGHJKMNPQRTUVWXY34679]{3}\b")
GREETING = "Guten Tag! Ich bin der Terminassistent"


def _book_until_choices(chat: ChatPage) -> list:
    chat.open()
    assert chat.wait_for_bot(1)[0].startswith(GREETING)
    chat.type_and_send("Ich brauche einen Termin für einen Personalausweis in Altona")
    chat.wait(lambda d: len(chat.choices()) == 3, message="three slot buttons")
    return chat.choices()


def _fetch(chat: ChatPage, url: str) -> dict:
    return chat.driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async r => done({status: r.status, type: r.headers.get('content-type'),
                                                  body: await r.text()}))
                           .catch(e => done({status: 0, body: String(e)}));
        """,
        url,
    )


def test_booking_by_typing_and_clicking_buttons_ends_with_a_code_and_a_calendar_file(chat, gateway, tmp_path):
    buttons = _book_until_choices(chat)
    chosen_title = buttons[1].text
    buttons[1].click()

    chat.wait_for_bot(3)
    assert chat.bubbles("user")[-1] == chosen_title, "the bubble shows the button's title, not its payload"
    sender = chat.session_id()
    assert gateway.rasa.messages_from(sender)[-1] == '/choose_option{"ordinal":"2"}'
    assert chat.choices() == [], "answered quick replies disappear"

    chat.type_and_send("Anna Schulz")
    chat.wait_for_bot(4)
    chat.type_and_send("040 1234567")
    chat.wait(lambda d: [b.text for b in chat.choices()] == ["Ja, buchen", "Nein"])
    chat.choices()[0].click()

    texts = chat.wait_for_bot(6)
    code = CODE.search(texts[-1]).group(0)
    assert chat.find(".msg-booking .code").text == code
    [appointment] = [a for a in gateway.booking.list_appointments() if a.code == code]
    assert appointment.contact_name == "Anna Schulz"
    assert appointment.location_key == "altona"
    start = appointment.start
    assert f"{start.hour}:{start.minute:02d}" in chosen_title

    link = chat.find(".msg-booking a.calendar-link")
    assert link.text == "Termin in meinen Kalender übernehmen (.ics-Datei)"
    assert link.get_attribute("download") == f"termin-{code}.ics"
    calendar = _fetch(chat, link.get_attribute("href"))
    assert calendar["status"] == 200
    assert calendar["type"].startswith("text/calendar")
    assert f"Buchungscode: {code}" in calendar["body"].replace("\r\n ", "")
    assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in calendar["body"]

    chat.downloads_to(tmp_path)
    link.click()
    saved = chat.wait_for_file(tmp_path, f"termin-{code}.ics")
    assert saved.startswith("BEGIN:VCALENDAR") and "Hamburg Service vor Ort Altona" in saved.replace("\r\n ", "")


def test_a_reload_mid_conversation_shows_the_history_and_continues_the_same_session(chat, gateway):
    buttons = _book_until_choices(chat)
    buttons[0].click()
    chat.wait_for_bot(3)
    sender = chat.session_id()
    before = chat.bubbles()

    chat.driver.refresh()
    chat.wait(lambda d: len(chat.bubbles()) == len(before), message="history rendered after reload")
    assert chat.bubbles() == before
    assert chat.session_id() == sender
    assert chat.choices() == [], "answered buttons do not come back after a reload"
    calls_before = len(gateway.rasa.messages_from(sender))

    chat.type_and_send("Anna Schulz")
    texts = chat.wait_for_bot(4)
    assert texts[-1] == "Unter welcher Telefonnummer können wir Sie erreichen?"
    assert gateway.rasa.messages_from(sender)[calls_before:] == ["Anna Schulz"], "no second greeting after reload"


def test_offered_buttons_survive_a_reload_until_answered(chat):
    _book_until_choices(chat)
    titles = [b.text for b in chat.choices()]
    chat.driver.refresh()
    chat.wait(lambda d: [b.text for b in chat.choices()] == titles, message="open choices after reload")


def test_the_whole_booking_works_with_the_keyboard_alone_and_focus_is_visible(chat, gateway):
    chat.open()
    chat.wait_for_bot(1)
    keys = ActionChains(chat.driver)

    # no mouse from here on: from the top of the freshly loaded document, keys only
    order = []
    for _ in range(4):
        keys.send_keys(Keys.TAB).perform()
        order.append(chat.focused().get_attribute("id") or chat.focused().text)
    assert order == ["Zum Eingabefeld springen", "human", "restart", "message"]
    outline = chat.driver.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth];"
    )
    assert outline[0] != "none" and float(outline[1].rstrip("px")) >= 2, outline

    keys.send_keys("Ich brauche einen Termin für einen Personalausweis", Keys.ENTER).perform()
    chat.wait(lambda d: len(chat.choices()) == 3)
    keys.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    focused = chat.focused()
    assert "choice" in focused.get_attribute("class"), "Shift+Tab from the input reaches the quick replies"
    title = focused.text
    ring = chat.driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle;")
    assert ring == "solid"
    keys.send_keys(Keys.ENTER).perform()
    chat.wait_for_bot(3)
    assert chat.bubbles("user")[-1] == title
    assert chat.focused().get_attribute("id") == "message", "focus returns to the input after a choice"

    keys.send_keys("Anna Schulz", Keys.ENTER).perform()
    chat.wait_for_bot(4)
    keys.send_keys("040 2345678", Keys.ENTER).perform()
    chat.wait(lambda d: len(chat.choices()) == 2)
    keys.key_down(Keys.SHIFT).send_keys(Keys.TAB, Keys.TAB).key_up(Keys.SHIFT).perform()
    assert chat.focused().text == "Ja, buchen"
    keys.send_keys(Keys.ENTER).perform()
    texts = chat.wait_for_bot(6)
    assert CODE.search(texts[-1])


def test_an_injected_script_is_shown_as_text_and_never_runs(chat, gateway):
    chat.open()
    chat.wait_for_bot(1)
    attack = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>fett</b>'
    chat.type_and_send("echo: " + attack)
    texts = chat.wait_for_bot(2)

    assert texts[-1] == attack, "the bot's text is shown literally"
    assert chat.bubbles("user")[-1] == "echo: " + attack
    assert chat.driver.execute_script("return window.__pwned === undefined;")
    assert chat.find_all("#log script, #log img, #log b") == []
    chat.driver.refresh()  # the stored history is rendered as text as well
    chat.wait(lambda d: len(chat.bubbles("bot")) == 2)
    assert chat.bubbles("bot")[-1] == attack
    assert chat.driver.execute_script("return window.__pwned === undefined;")


def test_when_the_server_is_unreachable_the_typed_text_is_kept_and_retry_sends_it(browser, own_gateway):
    chat = ChatPage(browser, own_gateway.url).open()
    chat.wait_for_bot(1)
    port = int(own_gateway.url.rsplit(":", 1)[1])
    own_gateway.stop()

    chat.type_and_send("Ich brauche einen Termin")
    chat.wait(lambda d: "nicht erreichbar" in chat.find("#problem").text, message="German error text")
    problem = chat.find("#problem").text
    assert "Ihre Nachricht wurde nicht gesendet" in problem
    assert chat.find("#message").get_attribute("value") == "Ich brauche einen Termin"
    assert chat.bubbles("user") == [], "an unsent message is not shown as sent"
    assert chat.find("#retry").text == "Erneut senden"
    chat.screenshot("webchat-error.png")

    own_gateway._port = port
    own_gateway.start()
    chat.find("#retry").click()
    chat.wait(lambda d: len(chat.choices()) == 3, message="the retried turn got its answer")
    assert chat.bubbles("user") == ["Ich brauche einen Termin"]
    assert chat.find("#message").get_attribute("value") == ""
    assert chat.find("#problem").text == ""


def test_when_rasa_is_down_the_gateways_german_apology_is_shown_and_the_text_kept(chat, gateway):
    chat.open()
    chat.wait_for_bot(1)
    gateway.rasa.down = True
    try:
        chat.type_and_send("Hallo")
        chat.wait(lambda d: "technisches Problem" in chat.find("#problem").text)
        assert chat.find("#message").get_attribute("value") == "Hallo"
    finally:
        gateway.rasa.down = False
    chat.find("#retry").click()
    chat.wait_for_bot(2)
    assert chat.bubbles("user") == ["Hallo"]


def test_asking_for_a_human_and_starting_over(chat, gateway):
    chat.open()
    chat.wait_for_bot(1)
    first_session = chat.session_id()
    chat.find("#human").click()
    texts = chat.wait_for_bot(2)
    assert chat.bubbles("user") == ["Mit einem Menschen sprechen"]
    assert gateway.rasa.messages_from(first_session)[-1] == "/request_human"
    assert "Mitarbeiter" in texts[-1]
    assert chat.find_all(".msg-handover")

    chat.find("#restart").click()
    chat.wait(lambda d: chat.session_id() != first_session and len(chat.bubbles()) == 1
              and not chat.typing(), message="a fresh conversation")
    assert chat.bubbles("bot")[0].startswith(GREETING)
    assert gateway.rasa.messages_from(chat.session_id()) == ["/greet"]
    chat.driver.refresh()
    chat.wait(lambda d: len(chat.bubbles()) == 1)
    assert chat.bubbles("user") == []


def test_a_code_without_a_signed_link_offers_the_calendar_file_after_the_phone_number(chat, gateway, tmp_path):
    buttons = _book_until_choices(chat)
    buttons[0].click()
    chat.wait_for_bot(3)
    chat.type_and_send("Bert Meier")
    chat.wait_for_bot(4)
    chat.type_and_send("040 7654321")
    chat.wait(lambda d: len(chat.choices()) == 2)
    chat.type_and_send("ja")
    code = CODE.search(chat.wait_for_bot(6)[-1]).group(0)

    chat.type_and_send(f"echo: Ihr Termin {code} ist bestätigt.")
    chat.wait_for_bot(7)
    details = chat.find_all(".msg-booking details.calendar")[-1]
    details.find_element("css selector", "summary").click()
    phone = details.find_element("css selector", "input[type=tel]")
    phone.send_keys("040 0000000", Keys.ENTER)
    status = details.find_element("css selector", ".calendar-status")
    chat.wait(lambda d: status.text != "")
    assert "keinen Termin gefunden" in status.text
    chat.downloads_to(tmp_path)
    phone.clear()
    phone.send_keys("040 7654321", Keys.ENTER)
    chat.wait(lambda d: status.text == "Die Kalenderdatei wurde heruntergeladen.")
    assert f"Buchungscode: {code}" in chat.wait_for_file(tmp_path, f"termin-{code}.ics").replace("\r\n ", "")


def test_the_widget_opens_the_chat_in_a_panel_and_closes_with_escape(chat):
    chat.open("/static/widget-demo.html")
    keys = ActionChains(chat.driver)
    chat.wait(lambda d: chat.find_all("#terminassistent-launcher"))
    launcher = chat.find("#terminassistent-launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    keys.send_keys(Keys.TAB).perform()
    assert chat.focused().get_attribute("id") == "terminassistent-launcher"
    keys.send_keys(Keys.ENTER).perform()
    frame = chat.find("#terminassistent-panel iframe")
    assert frame.is_displayed()
    assert launcher.get_attribute("aria-expanded") == "true"

    chat.driver.switch_to.frame(frame)
    try:
        chat.wait_for_bot(1)
        chat.type_and_send("Ich brauche einen Termin")
        chat.wait(lambda d: len(chat.choices()) == 3)
        chat.driver.switch_to.default_content()
        chat.screenshot("webchat-widget-open.png")
        chat.driver.switch_to.frame(frame)
        chat.find("#message").send_keys(Keys.ESCAPE)
    finally:
        chat.driver.switch_to.default_content()
    chat.wait(lambda d: not chat.find("#terminassistent-panel").is_displayed(), message="panel closed")
    assert chat.focused().get_attribute("id") == "terminassistent-launcher"
    chat.screenshot("webchat-widget-closed.png")


def test_layouts_on_desktop_and_phone_reflow_and_200_percent_text(chat):
    buttons = _book_until_choices(chat)
    buttons[2].click()
    chat.wait_for_bot(3)
    chat.type_and_send("Anna Schulz")
    chat.wait_for_bot(4)
    chat.type_and_send("040 3456789")
    chat.wait(lambda d: len(chat.choices()) == 2)
    chat.find(".choices .choice").click()
    chat.wait_for_bot(6)

    chat.viewport(1280, 800)
    chat.scroll_to_end()
    desktop = chat.screenshot("webchat-desktop.png")
    assert chat.find("#human").is_displayed() and chat.find("#human").rect["y"] >= 0

    chat.viewport(375, 740, mobile=True)
    chat.scroll_to_end()
    assert chat.horizontal_overflow() <= 0, "no sideways scrolling on a 375 px phone"
    phone = chat.screenshot("webchat-phone.png")
    human = chat.driver.execute_script("return document.getElementById('human').getBoundingClientRect().top;")
    assert 0 <= human < 740, "'Mit einem Menschen sprechen' stays in view on the phone"
    chat.full_page_screenshot("webchat-phone-full.png", 375)

    chat.viewport(320, 640, mobile=True)  # WCAG 1.4.10: content reflows at 320 CSS px
    assert chat.horizontal_overflow() <= 0

    # the reader's own text size at 200 % (browser setting "font size": 16 px -> 32 px)
    chat.driver.execute_cdp_cmd("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    assert chat.driver.execute_script("return getComputedStyle(document.body).fontSize;") == "32px"
    for width, height in ((375, 740), (1280, 800)):
        chat.viewport(width, height, mobile=width < 600)
        chat.scroll_to_end()
        assert chat.horizontal_overflow() <= 0, f"text at 200 % reflows at {width} px"
        send, box = chat.find("#send").rect, chat.find("#message").rect
        assert send["x"] + send["width"] <= width and box["width"] >= 200
        chat.screenshot(f"webchat-{'phone' if width < 600 else 'desktop'}-200.png")
    for shot in (desktop, phone, ARTIFACTS / "webchat-phone-200.png"):
        assert shot.stat().st_size > 5000


def test_axe_finds_no_serious_or_critical_violations(chat, gateway):
    def serious(violations):
        return [
            (v["id"], v.get("impact"), [n.get("target") for n in v.get("nodes", [])][:3])
            for v in violations
            if v.get("impact") in ("serious", "critical")
        ]

    chat.open()
    chat.wait_for_bot(1)
    assert serious(chat.run_axe()) == [], "start page"

    chat.type_and_send("Ich brauche einen Termin")
    chat.wait(lambda d: len(chat.choices()) == 3)
    chat.find(".choices .choice").click()
    chat.wait_for_bot(3)
    chat.type_and_send("Anna Schulz")
    chat.wait_for_bot(4)
    chat.type_and_send("040 4567890")
    chat.wait(lambda d: len(chat.choices()) == 2)
    chat.find(".choices .choice").click()
    code = CODE.search(chat.wait_for_bot(6)[-1]).group(0)
    chat.type_and_send(f"echo: Ihr Termin {code} ist bestätigt. Mehr unter https://www.hamburg.de/service")
    chat.wait_for_bot(7)
    chat.find_all("details.calendar summary")[-1].click()
    gateway.rasa.down = True
    try:
        chat.type_and_send("Hallo")
        chat.wait(lambda d: chat.find("#problem").text)
    finally:
        gateway.rasa.down = False
    assert serious(chat.run_axe()) == [], "booking confirmation, calendar form and error notice"

    chat.viewport(375, 740, mobile=True)
    assert serious(chat.run_axe()) == [], "phone layout"

    chat.open("/static/widget-demo.html", fresh=False)
    chat.wait(lambda d: chat.find_all("#terminassistent-launcher"))
    chat.find("#terminassistent-launcher").click()
    assert serious(chat.run_axe()) == [], "widget on a host page"
