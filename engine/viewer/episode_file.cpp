#include "episode_file.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <cmath>

#include "core/game_registry.h"

namespace coinrun::viewer {
namespace {

[[noreturn]] void fail(const QString& path, const QString& why) {
  throw EpisodeFileError(QStringLiteral("%1: %2").arg(path, why).toStdString());
}

QJsonObject options_json(const PoolOptions& o) {
  QJsonObject j;
  j["high_difficulty"] = o.high_difficulty;
  j["paint_vel_info"] = o.paint_vel_info;
  j["use_data_augmentation"] = o.use_data_augmentation;
  j["use_black_white"] = o.use_black_white;
  j["num_levels"] = o.num_levels;
  j["set_seed"] = static_cast<qint64>(o.set_seed);
  j["seed"] = static_cast<qint64>(o.seed);
  return j;
}

QJsonObject agent_json(const PlayLoop& loop) {
  const Agent& a = loop.env().state().agent;
  QJsonObject j;
  j["x"] = static_cast<double>(a.x);
  j["y"] = static_cast<double>(a.y);
  j["vx"] = static_cast<double>(a.vx);
  j["vy"] = static_cast<double>(a.vy);
  return j;
}

// Options from the file go through the engine's own parser, so a bad value gets the same
// message as everywhere else. Keys that only matter to the client (e.g. num_envs) are
// ignored here because one replayed episode is one env.
PoolOptions parse_options(const QString& path, const QString& game, const QJsonObject& j) {
  static const char* kReplayKeys[] = {"high_difficulty", "paint_vel_info",
                                      "use_data_augmentation", "use_black_white",
                                      "num_levels", "set_seed", "seed", "default_zoom"};
  OptionMap values;
  values["game"] = game.toStdString();
  for (const char* key : kReplayKeys) {
    if (!j.contains(key)) continue;
    const QJsonValue v = j.value(key);
    if (v.isBool()) {
      values[key] = v.toBool();
    } else if (v.isDouble()) {
      const double d = v.toDouble();
      if (std::floor(d) == d && std::fabs(d) < 9e15) {
        values[key] = static_cast<int64_t>(d);
      } else {
        values[key] = d;
      }
    } else {
      fail(path, QStringLiteral("option '%1' must be a bool or a number").arg(key));
    }
  }
  try {
    return viewer_options(values);
  } catch (const OptionError& e) {
    fail(path, QString::fromStdString(e.what()));
  }
}

}  // namespace

void save_episode(const EpisodeRecord& rec, const QString& path) {
  QJsonObject j;
  j["format"] = "coinrun-episode";
  j["version"] = kEpisodeFormatVersion;
  j["game"] = QString::fromStdString(rec.options.game);
  j["options"] = options_json(rec.options);
  j["level_seed"] = static_cast<qint64>(rec.level_seed);
  j["zoom"] = static_cast<double>(rec.zoom);
  QJsonArray actions;
  for (int a : rec.actions) actions.append(a);
  j["actions"] = actions;
  if (rec.result) {
    const EpisodeResult& r = *rec.result;
    QJsonObject res;
    res["length"] = r.length;
    res["return"] = static_cast<double>(r.episode_return);
    res["terminated"] = r.terminated;
    res["truncated"] = r.truncated;
    res["level_complete"] = r.level_complete;
    if (r.has_agent) {
      QJsonObject a;
      a["x"] = static_cast<double>(r.x);
      a["y"] = static_cast<double>(r.y);
      a["vx"] = static_cast<double>(r.vx);
      a["vy"] = static_cast<double>(r.vy);
      res["agent"] = a;
    }
    j["result"] = res;
  }
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) fail(path, f.errorString());
  f.write(QJsonDocument(j).toJson(QJsonDocument::Indented));
  if (!f.commit()) fail(path, f.errorString());
}

EpisodeRecord load_episode(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) fail(path, f.errorString());
  QJsonParseError err{};
  const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
  if (doc.isNull()) fail(path, "not JSON: " + err.errorString());
  if (!doc.isObject()) fail(path, "the top level must be a JSON object");
  const QJsonObject j = doc.object();
  if (j.value("format").toString() != "coinrun-episode") {
    fail(path, "not a recorded episode (\"format\" must be \"coinrun-episode\")");
  }
  const int version = j.value("version").toInt(-1);
  if (version != kEpisodeFormatVersion) {
    fail(path, QStringLiteral("format version %1 is not supported (this viewer reads %2)")
                   .arg(version)
                   .arg(kEpisodeFormatVersion));
  }
  const QString game = j.value("game").toString();
  if (!find_game(game.toStdString())) fail(path, "unknown game '" + game + "'");

  EpisodeRecord rec;
  rec.options = parse_options(path, game, j.value("options").toObject());
  const double seed = j.value("level_seed").toDouble(-1);
  if (!(seed >= INT32_MIN && seed <= UINT32_MAX) || std::floor(seed) != seed) {
    fail(path, "\"level_seed\" must be an integer in [-2^31, 2^32)");
  }
  // Negative seeds wrap to uint32 as everywhere else (docs/rules.md §0.2).
  rec.level_seed = static_cast<uint32_t>(static_cast<int64_t>(seed));
  const Game* g = find_game(rec.options.game);
  rec.zoom = static_cast<float>(j.value("zoom").toDouble(g->info().zoom));

  const QJsonValue acts = j.value("actions");
  auto add_action = [&](int a, qsizetype i) {
    if (a < 0 || a >= kNumActions) {
      fail(path, QStringLiteral("action %1 at index %2 is outside [0, %3)")
                     .arg(a)
                     .arg(i)
                     .arg(kNumActions));
    }
    rec.actions.push_back(a);
  };
  if (acts.isString()) {  // a digit string, as `--actions` takes
    const QString s = acts.toString();
    for (qsizetype i = 0; i < s.size(); ++i) add_action(s[i].digitValue(), i);
  } else if (acts.isArray()) {
    const QJsonArray arr = acts.toArray();
    for (qsizetype i = 0; i < arr.size(); ++i) {
      if (!arr[i].isDouble()) fail(path, QStringLiteral("action %1 is not a number").arg(i));
      add_action(arr[i].toInt(-1), i);
    }
  } else {
    fail(path, "\"actions\" must be a list of integers 0..6 or a digit string");
  }

  if (j.contains("result")) {
    const QJsonObject res = j.value("result").toObject();
    EpisodeResult r;
    r.length = res.value("length").toInt();
    r.episode_return = static_cast<float>(res.value("return").toDouble());
    r.terminated = res.value("terminated").toBool();
    r.truncated = res.value("truncated").toBool();
    r.level_complete = res.value("level_complete").toBool();
    if (res.contains("agent")) {
      const QJsonObject a = res.value("agent").toObject();
      r.has_agent = true;
      r.x = static_cast<float>(a.value("x").toDouble());
      r.y = static_cast<float>(a.value("y").toDouble());
      r.vx = static_cast<float>(a.value("vx").toDouble());
      r.vy = static_cast<float>(a.value("vy").toDouble());
    }
    rec.result = r;
  }
  return rec;
}

QByteArray state_json(const PlayLoop& loop) {
  const GameState& s = loop.env().state();
  QJsonObject j;
  j["game"] = QString::fromStdString(loop.options().game);
  j["level_seed"] = static_cast<qint64>(s.level_seed);
  j["step"] = loop.episode_step();
  j["return"] = static_cast<double>(loop.episode_return());
  j["episode_over"] = loop.episode_over();
  j["episodes_finished"] = loop.episodes_finished();
  j["age"] = s.age;
  j["level_complete"] = s.level_complete;
  j["died"] = s.died;
  j["zoom"] = static_cast<double>(s.zoom);
  j["agent"] = agent_json(loop);
  if (const auto& last = loop.last_finished(); last && last->result) {
    j["last_episode_length"] = last->result->length;
    j["last_episode_return"] = static_cast<double>(last->result->episode_return);
  }
  return QJsonDocument(j).toJson(QJsonDocument::Compact);
}

}  // namespace coinrun::viewer
