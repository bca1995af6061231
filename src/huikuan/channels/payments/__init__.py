"""Payment providers (Alipay, WeChat Pay, Stripe): payment links and their signed notifications.

Each adapter turns a link request into the provider's documented API call and a notification into a
verified `Paid`, and knows nothing of the database: services/payment_links.py stores links, takes
notifications once and posts the payments.
"""
