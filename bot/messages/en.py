"""English conversation catalogue."""

MESSAGES: dict[str, str] = {
    # general
    "welcome": (
        "Hello{name}! I am SuaraWarga, the citizens' complaints and suggestions service.\n"
        "Describe your problem or suggestion in one message, for example: "
        '"The street light on Jl. Melati has been out for a week". Or choose from the menu.'
    ),
    "help": (
        "What I can do:\n"
        "- Report: just write your problem or suggestion.\n"
        '- Check status: type "status" or "check SW-XXXX-XXXX".\n'
        '- Cancel: type "cancel" to stop the current step.\n'
        '- Language: type "indonesia" for Bahasa Indonesia.'
    ),
    "thanks_reply": 'You\'re welcome! Type "menu" any time you need help.',
    "not_understood": (
        "Sorry, I did not understand. Describe your problem in a sentence or two "
        "(what, where, since when), or choose from the menu."
    ),
    "cancelled": 'OK, cancelled. Type "menu" if you need help.',
    "nothing_to_cancel": 'Nothing is in progress. Type "menu" to see the options.',
    "language_set": "OK, we will continue in English.",
    "sticker": "Thanks for the sticker! To report something, please describe it in words.",
    "voice": "Sorry, we cannot process voice messages yet. Please type your report as text.",
    "edited": "Edited messages are not processed again. If something changed, send a new message.",
    "unsupported": (
        "Sorry, we cannot process this kind of message yet. Please send text, a photo, "
        "a PDF document or a location."
    ),
    "truncated": (
        "Your message is very long; we kept only the first {limit} characters. "
        "Other details can be sent as an attachment."
    ),
    "flood": (
        "You are sending too many messages in a short time. Please wait about a minute and send "
        "again. Messages sent during this pause are not processed."
    ),
    "daily_limit": (
        "You have sent {limit} reports in the last 24 hours, our daily limit. Please send the "
        'next one tomorrow, or type "status" to follow your reports.'
    ),
    "internal_error": "Sorry, something went wrong with your message. Please send it again shortly.",
    "media_rejected": (
        'Sorry, we cannot accept the file "{filename}". Send a photo (JPEG/PNG), a PDF document '
        "or a short MP4 video, at most 10 MB."
    ),
    "media_fetch_failed": 'Sorry, we could not download the file "{filename}". Please send it again.',
    # buttons
    "btn_report": "New report",
    "btn_status": "Check status",
    "btn_help": "Help",
    "btn_english": "English",
    "btn_indonesian": "Bahasa Indonesia",
    "btn_skip": "Skip",
    "btn_done": "Done",
    "btn_submit": "Send report",
    "btn_edit": "Edit",
    "btn_cancel": "Cancel",
    "btn_new_report": "This is a new report",
    "btn_type_complaint": "Complaint",
    "btn_type_aspiration": "Suggestion",
    "btn_type_information_request": "Information request",
    "btn_privacy_public": "Normal",
    "btn_privacy_anonymous": "Anonymous",
    "btn_privacy_confidential": "Confidential",
    "btn_edit_body": "Text",
    "btn_edit_type": "Type",
    "btn_edit_location": "Location",
    "btn_edit_privacy": "Privacy",
    "btn_accept": "Satisfied, close it",
    "btn_respond": "Not satisfied, reply",
    "btn_rate_skip": "Skip rating",
    # report flow
    "ask_report": "Please describe your problem or suggestion: what happened, where and since when.",
    "short_started": 'Noted, your report: "{problem}".',
    "question_received": (
        "Your question goes to the agency that can answer it. The answer will come in this chat."
    ),
    "question_received_agency": "Your question goes to {agency}. The answer will come in this chat.",
    "story_added": "Noted: I added that to your report.",
    "location_added": "Location noted: {location}.",
    "too_short": (
        "Please tell us a little more (what happened, where, since when) so that your report "
        "can be followed up."
    ),
    "ask_type": (
        "What kind of report is this?\n"
        "- Complaint: something is wrong and needs fixing.\n"
        "- Suggestion: an idea or proposal for something better.\n"
        "- Information request: you want to ask something or confirm whether it is true."
    ),
    "ask_location": (
        "Where is it? Share a location or type the address (street, RT/RW, village). "
        'Type "skip" if there is no location.'
    ),
    "ask_attachment": (
        'Do you have a photo or document? Send it now (JPEG/PNG photo or PDF), or type "skip".'
    ),
    "attachment_received": 'Attachment received ({count}). Send another, or type "done" to continue.',
    "ask_description_for_media": (
        "Attachment received. Now describe the problem: what happened, where, since when."
    ),
    "location_received": "Location received. Now describe the problem: what happened?",
    "ask_privacy": (
        "Choose the privacy of your report:\n"
        "1. Normal: the officers handling it see the report and your name.\n"
        "2. Anonymous: the report may be published, your identity is hidden from the agency.\n"
        "3. Confidential: the whole report stays unpublished; only the verifier and the "
        "responsible agency see it."
    ),
    "summary": (
        "Your report:\n"
        "Type: {type}\n"
        "Text: {body}\n"
        "Location: {location}\n"
        "Attachments: {attachments}\n"
        "Privacy: {privacy}{agency_line}\n\n"
        "Send this report?"
    ),
    "summary_agency": "\nLikely agency: {agency}",
    "no_location": "-",
    "ask_edit_what": "What would you like to change?",
    "ask_new_body": "Please write the text of your report again.",
    "confirm_hint": 'Choose "Send report", "Edit" or "Cancel".',
    "draft_expired": "Your earlier draft has expired. Please describe the problem again.",
    "privacy_public": "normal",
    "privacy_anonymous": "anonymous",
    "privacy_confidential": "confidential",
    "type_complaint": "complaint",
    "type_aspiration": "suggestion",
    "type_information_request": "information or confirmation request",
    # status
    "status_none": "You have no reports yet. Describe a problem to create your first report.",
    "status_header": "Your reports:",
    "status_more": '(showing {shown} of {total} reports; type "check CODE" for details)',
    "status_line": "{code} - {title}\n  {stage}",
    "join_unknown": (
        "Report {code} cannot be joined: the code is unknown, the report is not public, "
        "or it is closed. You can make a new report."
    ),
    "join_already": "You are already listed on report {code}; its updates will be sent here.",
    "status_unknown": (
        'Code {code} is not among your reports. Please check the code, or type "status" to '
        "see all your reports."
    ),
    "stage_submitted": "Waiting for verification, by {due} at the latest.",
    "stage_info_requested": "Waiting for more information from you (the deadline is paused).",
    "stage_forwarded": "With {agency}, follow-up due by {due}.",
    "stage_answered": "Answered by {agency}; you can respond until {due}.",
    "stage_finished": "Finished.",
    "stage_archived": "Closed without follow-up: {reason}",
    # pending expectations
    "which_report": (
        "Some of your reports are waiting for your reply. Which report was your message about, "
        "or is it a new report?"
    ),
    "info_sent": (
        "Thank you. Your information for report {code} was passed to the officer. "
        "The deadline runs again: {stage}"
    ),
    "response_sent": (
        "Your response on report {code} was passed to {agency}. New follow-up due by {due}."
    ),
    "pending_hint": '(If that was actually a new report, type "report" and describe the problem.)',
    "ask_response": "Please write your response to the answer on report {code}.",
    "reopen_none": (
        "No report can be reopened. A report can be reopened only if you said you were satisfied "
        "and the response window has not ended."
    ),
    "reopen_ask_reason": "Why should report {code} be reopened? Please write the reason.",
    "reopened": "Report {code} was reopened and sent to {agency}. Follow-up due by {due}.",
    "action_failed": "Sorry, report {code} could not be processed: its status has changed.",
    # rating
    "rating_question_completion_time": (
        "How timely was the completion of report {code}? 1 (poor) to 4 (very good)."
    ),
    "rating_question_staff_behaviour": (
        "How polite and friendly were the officers? 1 (poor) to 4 (very good)."
    ),
    "rating_question_complaint_handling": (
        "Overall, how was report {code} handled? 1 (poor) to 4 (very good)."
    ),
    "rating_question_product": (
        "Did the outcome match what was promised? 1 (poor) to 4 (very good)."
    ),
    "rating_thanks": "Thank you for rating report {code}!",
    "rating_invalid": 'Please answer with 1, 2, 3 or 4 (or type "skip").',
}

#: Labels of the web chat page (``bot/static/chat.html``), filled in when the page is served.
WEB_PAGE: dict[str, str] = {
    "attach": "Attach a photo or PDF",
    "location": "Share location",
    "send": "Send",
    "placeholder": "Type a message... (Enter to send)",
    "uploading": "Sending {name}...",
    "sent_file": "File: {name}",
    "sent_location": "Location: {lat}, {lon}",
    "too_large": "The file is too large (at most {mb} MB). Try a photo with a lower resolution.",
    "not_accepted": "This kind of file is not accepted. Send a photo (JPEG/PNG) or a PDF.",
    "upload_failed": "The file was not sent; check your connection and try again.",
    "locating": "Finding your location...",
    "geo_denied": "Your location could not be read. Allow location access, or type the address.",
    "geo_unsupported": "This browser cannot share a location. Please type the address.",
    "map_title": "Confirm the pin",
    "map_hint": "Drag the map or tap to move the pin. The arrow keys work too.",
    "map_no_tiles": "No map available: the pin is shown by its coordinates.",
    "confirm": "Send this location",
    "cancel": "Cancel",
    "coordinates": "Coordinates",
    "send_failed": "The message was not sent ({status}).",
    "offline": "Connection lost, retrying...",
}
