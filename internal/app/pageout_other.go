//go:build !linux

package app

// pageOutExecutable is Linux's (MADV_PAGEOUT); elsewhere the executable's
// pages stay as start-up left them.
func (a *App) pageOutExecutable() {}
