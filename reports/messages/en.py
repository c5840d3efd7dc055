"""English notification catalogue."""

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip

TYPE_NAMES = {
    "complaint": "complaint",
    "aspiration": "aspiration",
    "information_request": "information or confirmation request",
}

MESSAGES: dict[str, str] = {
    "tracking_link": "Follow your report: {url}",
    "report_received": (
        "We have received your report, tracking code {code}.\n"
        "It will be verified by {verify_due} at the latest.\n"
        "Keep this code to check its status (type: status {code})."
    ),
    "report_forwarded": (
        "Report {code} was verified and forwarded to {agency}. "
        "They must follow up by {response_due}."
    ),
    "info_requested": (
        "About report {code}, the officer asks for more information:\n\n{question}\n\n"
        "Please reply to this message. The deadline is paused until you answer."
    ),
    "report_archived": "Report {code} was closed without follow-up. Reason: {reason}",
    "report_rerouted": "Report {code} was moved to {agency}. Follow-up due by {response_due}.",
    "agency_answer": (
        "{agency} answered your report {code}:\n\n{answer}\n\n"
        "Reply 1 if you are satisfied, or write your response if not. "
        "You can respond until {feedback_due}."
    ),
    "deadline_extended": (
        "The follow-up deadline of report {code} was extended to {response_due}. Reason: {reason}"
    ),
    "feedback_reminder": (
        "Report {code} will be closed automatically on {feedback_due}. "
        "If you are not satisfied with the answer, reply before then."
    ),
    "group_answer": (
        "{agency} answered report {code}, which your report joined:\n\n{answer}\n\n"
        "When the report is finished, you will be asked to rate how it was handled."
    ),
    "report_merged": (
        "Your report {own} is about the same problem as the existing report {code}, "
        "so it joined that report. You will receive the updates and the answer of report "
        "{code}, and can rate it when it is finished."
    ),
    "report_unmerged": (
        "Report {code} was separated from report {primary} and is now handled on its own."
    ),
    "report_joined": (
        "Thank you. You are now listed as also affected by report {code}. "
        "You will receive its updates and the agency's answer."
    ),
    "group_reopened": (
        "Report {code}, which your report joined, is being handled by the agency again. "
        "You will receive its next updates and answer."
    ),
    "report_finished": "Report {code} is finished. Thank you for reporting.",
    "rating_request": ("How was report {code} handled? Rate from 1 (poor) to 4 (very good)."),
    "staff_new_report": (
        "New report {code} for {agency}: {title}. Follow-up due by {response_due}."
    ),
    "staff_info_provided": "The reporter answered the information request on report {code}: {title}.",
    "staff_returned": "Report {code} was returned by {agency} (not their authority): {reason}",
    "staff_citizen_response": (
        "The reporter responded to the answer on report {code}; new follow-up due by {response_due}."
    ),
    "staff_assigned": "Report {code} ({title}) was assigned to you. Follow-up due by {response_due}.",
    "staff_reopened": "The reporter reopened report {code}; follow-up due by {response_due}.",
    "staff_reminder": "Reminder: report {code} ({title}) must be {stage_verb} by {due}.",
    "staff_escalation": (
        "ESCALATION level {level}: report {code} ({title}) missed its {stage_verb} deadline "
        "of {due} ({agency}). Please act now."
    ),
    "staff_digest": (
        "Summary {date}: {open_count} open reports, {due_today} due today, {overdue} overdue, "
        "{escalated} escalated."
    ),
    # A linked officer's chat (reports.officer_chat): the report card, its buttons, the links.
    "chat_card_report": "{title}\n\n{body}",
    "chat_card_place": "Location: {place}",
    "chat_card_due": "Follow-up due: {due} ({days} working days left).",
    "chat_card_overdue": "Follow-up was due {due}: {days} working days late.",
    "chat_btn_answer": "Answer",
    "chat_btn_info": "Ask the reporter",
    "chat_btn_return": "Not our authority",
    "chat_btn_open": "Open in console",
    "chat_confidential": "Confidential report {code} needs your attention. Open it in the console.",
    "chat_console_link": "Console: {url}",
    "chat_inbox_link": "Agency inbox: {url}",
    "chat_dashboard_link": "Dashboard: {url}",
    "stage_verb_verify": "verified",
    "stage_verb_respond": "answered",
    "stage_verb_feedback": "responded to by the reporter",
}

#: Refusals (``reports.lifecycle.DomainError``): one text per error code, read by the console, the
#: API's problem documents, Open311 and the CLI. The code's values fill the placeholders; values
#: that the text does not show still travel with the error (the API returns them as ``params``).
ERRORS: dict[str, str] = {
    "illegal_transition": "cannot {action} a report that is {status}; allowed from {status}: {allowed}",
    "not_staff_action": "This is a staff action.",
    "role_not_permitted": "Your role does not allow this.",
    "not_your_agency": "This report is not (or no longer) with your agency.",
    "reporter_only": "Only the reporter can do this.",
    "empty": "A required field is empty.",
    "unknown_agency": "Unknown agency code {code}.",
    "unknown_report": "No report with tracking code {code}.",
    "agency_required": "Choose the responsible agency.",
    "reopen_window_ended": "The window to reopen this report has ended.",
    "reopen_not_yours": "Only a report you closed yourself can be reopened.",
    "agency_handles": "The agency now handles this report; ask its officer instead.",
    "same_agency": "The report is already with this agency.",
    "extend_agency_only": "Only the responsible agency extends its follow-up deadline.",
    "extend_verification": "The verification deadline is not the agency's to extend.",
    "extend_min": "An extension is at least 1 working day.",
    "extend_max": "The policy allows at most {limit} working days of extension in total; {used} already used.",
    "no_deadline": "There is no deadline to extend at this stage.",
    "days_not_number": "The number of working days must be a whole number.",
    "manager_readonly": "Managers watch; they do not write on reports.",
    "suggestion_not_confident": "The suggestion's confidence is too low to accept in one click; choose the agency.",
    "assign_not_permitted": "Only the agency head, or the officer for themself, can assign this.",
    "assignee_not_officer": "The chosen person is not an active officer of this agency.",
    "role_without_agency": "This role does not belong to an agency; leave the agency empty.",
    "role_needs_agency": "This role needs an agency.",
    "bad_username": "A username has only letters, digits, dot, dash or underscore.",
    "short_password": "A password has at least {n} characters.",
    "username_taken": "That username is taken.",
    "unknown_role": "Unknown role.",
    "admin_only": "Only an administrator manages staff accounts.",
    "bad_address": "Not a valid notification address (e-mail, a numeric Telegram chat id, a WhatsApp number +62...).",
    "no_staff": "No such account.",
    "not_self_deactivate": "You cannot deactivate your own account.",
    "not_self_role": "You cannot change the role of your own account.",
    "file_type": "This file type is not accepted; send a photo (JPEG/PNG), a PDF or a short MP4 video.",
    "file_empty": "The file is empty.",
    "file_too_large": "The file is larger than {mb} MB.",
    "attachment_path": "The attachment path escapes the storage directory.",
    "rate_reporter_only": "Only the reporter can rate this report.",
    "rate_not_finished": "A report can be rated once it is finished.",
    "unknown_element": "Unknown satisfaction survey element {element}.",
    "bad_score": "A score is 1, 2, 3 or 4.",
    "token_name_missing": "Give the token a name (what it is for).",
    "staff_inactive": "{username} is not active.",
    "token_name_taken": "{username} already has an active token named {name}.",
    "no_token": "{username} has no active token named {name}.",
    "unknown_report_type": "Unknown report type: {value}.",
    "unknown_privacy": "Unknown privacy choice: {value}.",
    "unknown_action": "Unknown action: {value}.",
    "canned_not_found": "Canned answer not found.",
    "canned_read_not_permitted": "Only the agency's own staff can read its canned answers.",
    "canned_write_not_permitted": "Only the agency head can change the agency's canned answers.",
    "canned_title_required": "The title is required.",
    "canned_title_too_long": "The title can be at most {max_title} characters.",
    "canned_body_required": "The answer text is required.",
    "canned_body_too_long": "The answer text can be at most {max_body} characters.",
    "canned_title_taken": "Your agency already has a canned answer with this title.",
    "canned_too_many": "Your agency has reached the limit of {max_count} canned answers. Delete unused ones first.",
    "report_merged": "This report was merged into report {primary}; follow report {primary}.",
    "merge_into_itself": "A report cannot be merged into itself.",
    "merge_cycle": "Report {code} is already merged into this report; merging back would make a cycle.",
    "merge_into_merged": "Report {code} is itself merged into report {primary}; merge into {primary}.",
    "merge_into_closed": "Report {code} is closed; a report can be merged only into an open one.",
    "already_merged": "Report {code} is already merged; unmerge it first.",
    "merge_closed": "Report {code} is closed and cannot be merged.",
    "not_merged": "Report {code} is not merged.",
    "unmerge_closed": "Report {code} was closed with its primary and cannot be unmerged.",
    "join_not_open": "Report {code} is not open to join.",
}
