"""What a screen showing a `ConversationView` does when the view asks: copy a message or a code
block to the reader's clipboard (OSC 52, over SSH too), show a link's address to copy (links are
never opened here), and show a cited chunk. Shared by Chat and the RAG systems' "try it" panel."""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from workshop_tui.ui.screens.modals.reading import ReadingModal
from workshop_tui.ui.text import say
from workshop_tui.ui.widgets.conversation_view import ConversationView


class ConversationRequests(Screen[None]):
    @on(ConversationView.CopyRequested)
    def _copy(self, event: ConversationView.CopyRequested) -> None:
        self.app.copy_to_clipboard(event.text)
        say(self.app, f"Copied the {event.what} to your clipboard (your terminal must allow it).", timeout=4)

    @on(ConversationView.LinkRequested)
    def _link(self, event: ConversationView.LinkRequested) -> None:
        others = [url for url in event.urls if url != event.url]
        detail = "Links are never opened here. Copy the address and open it yourself."
        if others:
            detail += f" Other links in this message: {', '.join(others[:5])}"
        self.app.push_screen(ReadingModal("Link", event.url, detail=detail, copy_label="Copy address"))

    @on(ConversationView.CitationRequested)
    def _citation(self, event: ConversationView.CitationRequested) -> None:
        cited = event.citation
        score = cited.get("score")
        detail = f"{cited.get('location', '')}" + (f" · score {score:.2f}" if isinstance(score, float) else "")
        self.app.push_screen(ReadingModal(f"[{event.number}] {cited.get('document_title', 'source')}",
                                          str(cited.get("text", "")), detail=detail))
