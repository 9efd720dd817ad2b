#pragma once
// The viewer window: the game view, menus, status line (game, level seed, step, return,
// fps), the tick timer, and the three sources of pictures: keyboard play, the replay of a
// recorded episode, and a spectator attached to a running engine.
#include <QElapsedTimer>
#include <QLabel>
#include <QMainWindow>
#include <QTimer>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "game_view.h"
#include "play_loop.h"
#include "spectator.h"
#include "video_export.h"

class QActionGroup;

namespace coinrun::viewer {

// §10.9: one tick every 66 ms, about 15 per second; the user may go up to 60.
inline constexpr double kDefaultFps = 15.0;
inline constexpr double kMaxFps = 60.0;
// §7.12 / §10.9: the hi-res picture and the video are 512 x 512.
inline constexpr int kHiResSide = 512;
inline constexpr int kObsSide = 64;  // the agent's view (F2)

enum class Mode { Play, Replay, Attach };

struct ReplayVerdict {
  bool finished = false;
  bool checked = false;  // the file had a result to compare with
  bool matches = false;
  QString message;
};

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  MainWindow(PoolOptions opts, std::optional<uint32_t> level, double fps);
  ~MainWindow() override;

  // Mode switches. start_replay/attach throw (EpisodeFileError, SpectatorError) on bad input.
  void start_play(PoolOptions opts, std::optional<uint32_t> level);
  void start_replay(const EpisodeRecord& rec);
  void attach(const QString& endpoint, std::optional<uint64_t> session, int env);

  // One tick as the timer does it (keys -> action, or the next replayed action).
  void tick_once();
  // One play tick with a given action (scripted play: --actions).
  void step_with(int action);
  // Runs the replay to its end without waiting for the timer.
  void finish_replay();
  // What the window shows, drawn at side x side (for --screenshot).
  QImage screenshot(int side, bool hud = true);
  // Shows a spectator frame (GUI thread).
  void show_spectator_frame(const SpectatorFrame& f);

  void set_fps(double fps);
  // Sizes the window so that the picture area is side x side.
  void set_view_side(int side);
  void set_view_mode(ViewMode m);
  void set_save_episode_path(const QString& path) { save_episode_path_ = path; }
  // Starts exporting every shown frame as PNGs into `dir` (video export, R key).
  void start_video(const QString& dir);
  QString stop_video();
  bool video_active() const { return video_.active(); }
  // Closes the application once `n` more frames have been shown (tests, scripted exports).
  void quit_after_frames(int n) { frames_left_ = n; }
  // Saves a grab of the whole window (menus, picture, status line) when it quits that way.
  void set_window_shot_path(const QString& path) { window_shot_path_ = path; }

  GameView* view() const { return view_; }
  const PlayLoop& loop() const { return loop_; }
  Mode mode() const { return mode_; }
  const ReplayVerdict& replay_verdict() const { return verdict_; }
  QString status_text() const;

 private:
  void build_menus();
  void on_tick();
  void schedule_tick();
  void after_play_tick(const StepResult& r);
  void refresh_frame();
  void render_local(int side);
  void update_status();
  void note_frame_time();
  void check_replay_end(const StepResult& r);
  void choose_level_seed();
  void choose_level_set();
  void choose_game(const QString& name);
  void open_replay();
  void save_last_episode();
  void open_attach_dialog();
  void pick_session();
  void switch_env(int delta);
  void start_spectator();
  int spectator_side() const;
  void toggle_video();
  void restart_play_with(const std::function<void(PoolOptions&)>& change);

  GameView* view_;
  QLabel* status_;
  QTimer timer_;
  Mode mode_ = Mode::Play;
  PlayLoop loop_;
  ViewMode view_mode_ = ViewMode::WindowResolution;
  double fps_ = kDefaultFps;
  std::vector<uint8_t> rgb_;  // render buffer, reused
  QImage frame_;              // the last picture drawn (wraps rgb_ or a spectator frame)
  std::deque<qint64> frame_times_ms_;
  QElapsedTimer clock_;
  double next_tick_ms_ = 0;  // deadline of the next tick on clock_
  QString message_;  // transient note in the status line (errors, saved files)

  // Replay
  EpisodeRecord replay_;
  size_t replay_pos_ = 0;
  ReplayVerdict verdict_;

  // Attach
  QString endpoint_;
  uint64_t session_ = 0;
  int env_ = 0;
  SessionInfo session_info_;
  SpectatorFrame last_spectator_;
  std::unique_ptr<SpectatorWorker> spectator_;

  VideoExporter video_;
  QString save_episode_path_;
  int frames_left_ = -1;  // -1: never quit by itself
  QString window_shot_path_;

  QActionGroup* game_group_ = nullptr;
  QAction* high_difficulty_action_ = nullptr;
  QAction* vel_info_action_ = nullptr;
};

}  // namespace coinrun::viewer
