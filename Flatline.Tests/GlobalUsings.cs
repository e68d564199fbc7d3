global using Microsoft.Extensions.Logging;
global using Flatline;
