"""The telephone systems calls are placed through, one adapter per kind (channels/telephony.py is the seam
they share): Aliyun Cloud Call Center, Twilio Voice and Asterisk's ARI."""
