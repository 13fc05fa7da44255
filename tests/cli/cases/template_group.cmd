args: template
