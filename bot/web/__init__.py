"""Every HTTP route but the channels' own: the app factory, the agents' API and console.

`app.create_app` builds the app over one `bot.runtime.Services` (kept on `app.ctx`);
the channels add their blueprints (`bot.channels`), the designers theirs
(`bot.designer.api`). The pages' files are in `console/` and `static/`.
"""
