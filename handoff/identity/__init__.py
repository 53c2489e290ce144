"""Identities: accounts, teams and roles, API tokens, browser sessions, people links.

The domain half of sign-in and access control; `api.auth` turns requests into a principal and
checks it against the policy table. Import the parts from their modules:

    directory   users, teams, memberships, password and single-sign-on sign-in
    tokens      API tokens (created, verified, revoked; stored hashed)
    sessions    server-side browser sessions
    people      vocabulary people linked to accounts
    roles       member < reviewer < lead
    demo        demo accounts (development only) and the first-admin hint
    errors      NotSignedIn, SignInFailed, Forbidden, TooManyAttempts
"""
