"""maillogs: one CLI for the email-log APIs of Kaleyra, EDITH and Infobip."""

__version__ = "0.1.0"
