using Flatline;

return await FlatlineApp.RunAsync(args, Console.Out, Console.Error);
