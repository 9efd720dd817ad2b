// Qt tests of the viewer (QtTest, offscreen): the §10.9 key table, keys typed with QTest
// through Qt's normal event delivery, the real tick timer, screenshots, and saving and
// replaying an episode. The CLI-level tests are in tests/python/test_viewer.py.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "../episode_file.h"
#include "../game_view.h"
#include "../key_map.h"
#include "../main_window.h"

namespace cv = coinrun::viewer;

class ViewerTest : public QObject {
  Q_OBJECT

 private:
  static coinrun::PoolOptions options(const char* game) {
    return cv::viewer_options({{"game", std::string(game)}});
  }

 private slots:
  void key_table_matches_the_rules() {
    // §10.9 for all 16 arrow combinations: down wins; else dx = right - left, dy = up.
    for (int bits = 0; bits < 16; ++bits) {
      cv::ArrowKeys k{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0};
      const int a = cv::action_for_keys(k);
      if (k.down) {
        QCOMPARE(a, 6);
        continue;
      }
      QCOMPARE(coinrun::kActionDx[a], (k.right ? 1 : 0) - (k.left ? 1 : 0));
      QCOMPARE(coinrun::kActionDy[a], k.up ? 1 : 0);
    }
  }

  void typed_keys_become_actions() {
    cv::GameView view;
    QTest::keyPress(&view, Qt::Key_Up);
    QTest::keyPress(&view, Qt::Key_Left);
    QCOMPARE(view.take_action(), 5);  // up + left
    QTest::keyRelease(&view, Qt::Key_Left);
    QCOMPARE(view.take_action(), 3);
    QTest::keyPress(&view, Qt::Key_Down);
    QCOMPARE(view.take_action(), 6);
    QTest::keyRelease(&view, Qt::Key_Down);
    QTest::keyRelease(&view, Qt::Key_Up);
    QCOMPARE(view.take_action(), 0);
    QTest::keyClick(&view, Qt::Key_Right);  // a tap between two ticks still counts once
    QCOMPARE(view.take_action(), 1);
    QCOMPARE(view.take_action(), 0);
  }

  void function_keys_emit_requests() {
    cv::GameView view;
    QSignalSpy zoom(&view, &cv::GameView::target_zoom_requested);
    QSignalSpy mode(&view, &cv::GameView::view_mode_requested);
    QSignalSpy end(&view, &cv::GameView::end_episode_requested);
    QSignalSpy rec(&view, &cv::GameView::record_toggle_requested);
    QTest::keyClick(&view, Qt::Key_F7);
    QTest::keyClick(&view, Qt::Key_F2);
    QTest::keyClick(&view, Qt::Key_Return);
    QTest::keyClick(&view, Qt::Key_R);
    QCOMPARE(zoom.count(), 1);
    QCOMPARE(zoom.at(0).at(0).toFloat(), 3.0f);
    QCOMPARE(mode.count(), 1);
    QCOMPARE(end.count(), 1);
    QCOMPARE(rec.count(), 1);
  }

  void right_key_moves_the_agent() {
    cv::MainWindow w(options("standard"), 7u, 15);
    const float x0 = w.loop().env().state().agent.x;
    QTest::keyPress(w.view(), Qt::Key_Right);
    for (int i = 0; i < 10; ++i) w.tick_once();
    QTest::keyRelease(w.view(), Qt::Key_Right);
    QCOMPARE(w.loop().episode_step(), 10);
    QVERIFY(w.loop().env().state().agent.x > x0 + 0.5f);
  }

  void timer_ticks_at_the_chosen_rate() {
    cv::MainWindow w(options("maze"), 1u, 60);
    QTest::qWait(1000);
    // 60 ticks in a second on an idle machine; generous bounds for a loaded CI box.
    QVERIFY2(w.loop().episode_step() >= 30 && w.loop().episode_step() <= 62,
             qPrintable(QString::number(w.loop().episode_step())));
  }

  void agent_view_screenshot_is_the_64px_frame_enlarged() {
    cv::MainWindow w(options("platform"), 3u, 15);
    w.set_view_mode(cv::ViewMode::AgentView);
    const QImage img = w.screenshot(256, false).convertToFormat(QImage::Format_RGB888);
    QCOMPARE(img.size(), QSize(256, 256));
    int colours_differ = 0;
    for (int y = 0; y < 256; ++y) {
      for (int x = 0; x < 256; ++x) {
        QCOMPARE(img.pixel(x, y), img.pixel(x - x % 4, y - y % 4));
        colours_differ += img.pixel(x, y) != img.pixel(0, 0);
      }
    }
    QVERIFY(colours_differ > 0);  // not blank
  }

  void saved_episode_replays_to_the_same_state() {
    QTemporaryDir dir;
    const QString path = dir.filePath("ep.json");
    cv::MainWindow w(options("maze"), 5u, 15);
    w.set_save_episode_path(path);
    const int pattern[] = {1, 3, 1, 3, 2, 4};
    for (int i = 0; i < 2000 && !QFile::exists(path); ++i) w.step_with(pattern[i % 6]);
    QVERIFY(QFile::exists(path));
    const cv::EpisodeRecord rec = cv::load_episode(path);
    QVERIFY(rec.result.has_value());
    QCOMPARE(static_cast<int>(rec.actions.size()), rec.result->length);

    cv::MainWindow r(options("standard"), std::nullopt, 15);
    r.start_replay(rec);
    r.finish_replay();
    QVERIFY2(r.replay_verdict().matches, qPrintable(r.replay_verdict().message));
    QCOMPARE(r.loop().env().state().agent.x, rec.result->x);
    QCOMPARE(r.loop().env().state().agent.y, rec.result->y);
  }

  void bad_episode_files_are_refused() {
    QTemporaryDir dir;
    const QString path = dir.filePath("bad.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format": "coinrun-episode", "version": 2, "game": "maze", "level_seed": 1,
               "actions": []})");
    f.close();
    QVERIFY_THROWS_EXCEPTION(cv::EpisodeFileError, cv::load_episode(path));
    QVERIFY_THROWS_EXCEPTION(cv::EpisodeFileError, cv::load_episode(dir.filePath("missing")));
  }
};

QTEST_MAIN(ViewerTest)
#include "viewer_test.moc"
