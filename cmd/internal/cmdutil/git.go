package cmdutil

import (
	"github.com/go-git/go-git/v5/config"
)

// gitAuthor returns "Name <email>" from git's global configuration.
func gitAuthor() string {
	c, err := config.LoadConfig(config.GlobalScope)
	if err != nil || c.User.Name == "" {
		return ""
	}
	if c.User.Email == "" {
		return c.User.Name
	}
	return c.User.Name + " <" + c.User.Email + ">"
}
