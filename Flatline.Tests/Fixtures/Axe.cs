using System.Text.Json;
using Microsoft.Playwright;

namespace Flatline.Tests;

/// <summary>axe-core (npm, installed by scripts/deps into Fixtures/statuspage) run in a page: the
/// serious and critical violations, each as "rule: selectors".</summary>
public static class Axe
{
    public static async Task<List<string>> SeriousViolationsAsync(IPage page)
    {
        await page.AddScriptTagAsync(new() { Path = Repository.File("Flatline.Tests", "Fixtures", "statuspage", "node_modules", "axe-core", "axe.min.js") });
        var found = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '))
            """);
        return [.. found.EnumerateArray().Select(v => v.GetString()!)];
    }
}
