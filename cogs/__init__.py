"""Discord command adapters: validate options, defer, call one service, render."""
