"""The grading page in a real browser (headless Chromium through Selenium): a grader grades
one question for three students with the keyboard, meets another grader's save, and edits
the rubric. Screenshots go to ``$GRADER_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.coursebook.store import Coursebook
from grader.serve.server import Server
from tests.browser import no_browser
from tests.servecourse import SPEC, make_class

CHROMEDRIVER = "/usr/bin/chromedriver"


def chrome(width: int = 1400, height: int = 1000) -> Any:
    """A headless Chromium driven by Selenium, or a skip (a failure under CI) saying why."""
    try:
        from selenium import webdriver
    except ImportError:
        no_browser("selenium is not installed (pip install 'dl-grader[dev]')")
    driver_path = shutil.which("chromedriver") or CHROMEDRIVER
    if not Path(driver_path).is_file() or not (shutil.which("chromium") or shutil.which("chrome")):
        no_browser("no chromium and chromedriver here (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(driver_path))


def screenshot(driver: Any, path: Path, width: int = 1400, height: int = 1000) -> None:
    """The whole page at ``width`` (at least ``height`` tall), not just the window."""
    tall = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": width, "height": max(height, tall), "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        driver.save_screenshot(str(path))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("GRADER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = chrome()
    try:
        yield driver
    finally:
        driver.quit()


def press(driver: Any, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def wait_for(driver: Any, condition: Any, seconds: float = 10) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


def test_grading_a_question_for_three_students(tmp_path: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    gradebook = make_class(tmp_path)
    server = Server.start(gradebook, SPEC, tmp_path / "scratch", port=0, grader="server-user")
    out = shots(tmp_path)
    try:
        base = server.url.split("/?")[0]
        browser.get(server.url)  # the printed URL: the token becomes a cookie
        assert "token" not in browser.current_url
        name = browser.find_element(By.ID, "grader-name")
        name.send_keys("tess", Keys.TAB)
        browser.find_element(By.ID, "q-jacobian").click()
        wait_for(browser, lambda d: d.current_url.endswith("/q/jacobian/ada"))
        assert browser.find_elements(By.CSS_SELECTOR, "#answer math")  # the derivation

        # ada: every rubric item by key, a comment, Enter saves and moves on
        press(browser, "123")
        assert browser.find_element(By.ID, "score").text == "4"
        press(browser, "c")
        press(browser, "Complete, and the matrix form too.")
        press(browser, Keys.ESCAPE + Keys.ENTER)
        wait_for(browser, lambda d: d.current_url.endswith("/q/jacobian/bob"))

        # bob: the diagonal, half a point for effort, the screenshot mid-grading
        press(browser, "1")
        points = browser.find_element(By.ID, "adjustment")
        points.clear()
        points.send_keys("0.5")
        press(browser, Keys.ESCAPE)
        assert browser.find_element(By.ID, "score").text == "2.5"
        screenshot(browser, out / "serve-grading.png")
        press(browser, Keys.ENTER)
        wait_for(browser, lambda d: d.current_url.endswith("/q/jacobian/cy"))

        # cy: the hostile answer is text; the comment bank offers ada's comment
        assert browser.find_elements(By.CSS_SELECTOR, "script:not([src])") == []
        assert "alert" in browser.find_element(By.ID, "answer").text
        press(browser, "2")
        browser.find_element(By.CSS_SELECTOR, ".bank-item").click()
        press(browser, Keys.ESCAPE + Keys.ENTER)
        wait_for(
            browser,
            lambda d: "saved" in d.find_element(By.ID, "status").text or "/cy" not in d.current_url,
        )

        with Coursebook.open(gradebook) as book:
            grades = {g.student: g for g in book.manual_grades("hw1", "jacobian")}
        assert {s: g.score for s, g in grades.items()} == {"ada": 4, "bob": 2.5, "cy": 1.5}
        assert grades["cy"].comment == "Complete, and the matrix form too."
        assert {g.by for g in grades.values()} == {"tess"}

        # another grader saves ada meanwhile: this page's save is refused and shows theirs
        browser.get(f"{base}/q/jacobian/ada")
        with Coursebook.open(gradebook) as book:
            book.grade_manual(
                "ada",
                "hw1",
                "jacobian",
                applied=["off"],
                adjustment=0,
                comment="theirs",
                by="other",
                expected_version=1,
            )
        press(browser, "1" + Keys.ENTER)
        banner = wait_for(browser, lambda d: d.find_element(By.ID, "conflict"))
        wait_for(browser, lambda d: banner.is_displayed())
        assert "other saved a grade meanwhile" in banner.text
        assert browser.find_element(By.ID, "comment").get_attribute("value") == "theirs"
        listed = browser.find_element(By.CSS_SELECTOR, ".students li.current .score")
        assert listed.text == "1.5"  # the list beside shows their grade too
        screenshot(browser, out / "serve-conflict.png")
        with Coursebook.open(gradebook) as book:
            kept = book.manual_grade("ada", "hw1", "jacobian")
        assert kept is not None and (kept.by, kept.applied) == ("other", ["off"])

        # the rubric: the diagonal is worth 1 now; bob, who has it, is rescored and logged,
        # and ada's grade in progress (their grade and the matrix form) outlives the reload
        press(browser, "3")
        assert browser.find_element(By.ID, "score").text == "2"
        browser.find_element(By.CSS_SELECTOR, ".edit-rubric summary").click()
        first = browser.find_element(By.CSS_SELECTOR, '.rubric-edit[data-id="diagonal"]')
        field = first.find_element(By.NAME, "points")
        field.clear()
        field.send_keys("1", Keys.ENTER)
        wait_for(
            browser,
            lambda d: d.execute_script(
                "const b = document.getElementById('rubric-diagonal');"
                "return b !== null && b.dataset.points === '1.0';"
            ),
        )
        said = browser.find_element(By.ID, "rubric-status").text
        assert "1 student(s) rescored" in said
        pressed = [
            b.get_attribute("data-id")
            for b in browser.find_elements(By.CSS_SELECTOR, '.rubric-item[aria-pressed="true"]')
        ]
        assert pressed == ["off", "matrix"] and browser.find_element(By.ID, "score").text == "2"
        assert browser.find_element(By.ID, "status").text == "not saved"
        screenshot(browser, out / "serve-rubric.png")
        with Coursebook.open(gradebook) as book:
            bob = book.manual_grade("bob", "hw1", "jacobian")
            entry = book.audit(student="bob")[-1]
        assert bob is not None and bob.score == 1.5
        assert "'Diagonal $s_i(1-s_i)$' 2 -> 1 points" in entry.reason and entry.by == "tess"
    finally:
        server.stop()
