namespace Flatline;

public static class ApiTokenServices
{
    public static IServiceCollection AddApiTokens(this IServiceCollection services) => services.AddSingleton<ApiTokenStore>();
}
