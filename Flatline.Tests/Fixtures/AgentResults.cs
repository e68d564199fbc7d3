using System.Text.Json.Nodes;

namespace Flatline.Tests;

/// <summary>What a test playing an agent sends to <c>POST /api/agent/v1/results</c>: a batch as the agent's
/// buffer makes it (a success answered 200 in 1.5 ms, a failure "connection refused"), and the monitor's
/// revision that its results must name.</summary>
public static class AgentResults
{
    public static string Batch(string instance, long sentAt, params (long Seq, string Monitor, int Revision, long CheckedAt, bool Ok)[] results)
    {
        var list = new JsonArray();
        foreach (var r in results)
            list.Add(new JsonObject { ["seq"] = r.Seq, ["monitor_id"] = r.Monitor, ["revision"] = r.Revision, ["checked_at"] = r.CheckedAt, ["ok"] = r.Ok,
                ["status_code"] = r.Ok ? 200 : null, ["latency_us"] = r.Ok ? 1500 : null, ["error"] = r.Ok ? null : "connection refused" });
        return new JsonObject { ["instance"] = instance, ["sent_at"] = sentAt, ["results"] = list }.ToJsonString();
    }

    public static int Revision(FlatlineServer server, string id) => (int)server.Scalar<long>($"SELECT revision FROM monitors WHERE uid = '{id}'");
}
