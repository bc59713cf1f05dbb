"""What an error page says, in the page's language and the site's design (issue 13).

Werkzeug's own descriptions are English sentences for developers ("The requested URL was not
found on the server…"); a resident on a Japanese page needs a heading, what happened and what
to do next, in Japanese. A registry by status; a status not listed falls back to its class
(4xx, 5xx). A dataset page that is missing because its dataset was blocked says so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorText:
    title_ja: str
    title_en: str
    help_ja: str
    help_en: str

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_ja

    def help(self, lang: str) -> str:
        return self.help_en if lang == "en" else self.help_ja


ERRORS: dict[int, ErrorText] = {
    400: ErrorText(
        "リクエストの内容に誤りがあります",
        "Something in the request is wrong",
        "URL の指定（ページ番号や検索条件）を確かめて、もう一度お試しください。",
        "Check the address (page number, search terms) and try again.",
    ),
    403: ErrorText(
        "このページを表示する権限がありません",
        "You may not see this page",
        "職員用のページはサインインが必要です。",
        "Staff pages need a sign-in.",
    ),
    404: ErrorText(
        "ページが見つかりません",
        "Page not found",
        "URL が変わったか、削除された可能性があります。"
        "データセットの一覧や検索からお探しください。",
        "The address may have changed or the page may have been removed. "
        "Try the dataset list or the search.",
    ),
    405: ErrorText(
        "この操作はできません",
        "This action is not allowed",
        "ページを開き直してからお試しください。",
        "Open the page again and retry.",
    ),
    413: ErrorText(
        "ファイルが大きすぎます",
        "The file is too large",
        "ファイルを分けるか、小さくしてから登録してください。",
        "Split the file or make it smaller, then upload it again.",
    ),
    429: ErrorText(
        "アクセスが集中しています",
        "Too many requests",
        "しばらく待ってから、もう一度お試しください。",
        "Wait a little and try again.",
    ),
    500: ErrorText(
        "サーバーで問題が起きました",
        "Something went wrong on our side",
        "時間をおいて再度お試しください。続く場合は情報政策課にお知らせください。",
        "Please try again later. If it keeps happening, tell the Information Policy Division.",
    ),
    503: ErrorText(
        "ただいま利用できません",
        "Temporarily unavailable",
        "時間をおいて再度お試しください。",
        "Please try again later.",
    ),
}


def error_text(status: int) -> ErrorText:
    return ERRORS.get(status) or ERRORS[500 if status >= 500 else 400]
