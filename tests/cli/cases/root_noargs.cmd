args: 
