"""xAPI on its own: vocabulary, statement builders, the embedded LRS blueprint, storage and forwarding.

Imports nothing of ours (no courses, no lti_tool), never Flask app state.
"""
