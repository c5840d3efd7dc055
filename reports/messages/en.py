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
    "stage_verb_verify": "verified",
    "stage_verb_respond": "answered",
    "stage_verb_feedback": "responded to by the reporter",
}
